/** The provider chain, its health, and the admin switches that break or reorder it. */
import { z } from 'zod';
import { providerNameSchema } from '../config.js';
import { notFound } from '../httpErrors.js';
import { modeFromRequest, providerStateRequestSchema } from '../providerModes.js';
import { ok, type Route } from '../router.js';

const primaryRequestSchema = z.object({ provider: providerNameSchema }).strict();

export const providerRoutes: Route[] = [
  {
    method: 'GET',
    path: '/providers',
    handle({ runtime }) {
      const providers = runtime.state.config.chain;
      return ok({ chain: providers.map((p) => p.name), providers });
    },
  },
  {
    method: 'GET',
    path: '/providers/health',
    handle({ runtime }) {
      const providers = runtime.state.providers.health();
      return ok({ healthy: providers.some((p) => p.healthy), providers });
    },
  },
  {
    method: 'POST',
    path: '/admin/providers/:name',
    control: true,
    async handle({ body, params, runtime }) {
      const request = await body(providerStateRequestSchema);
      const { providers } = runtime.state;
      if (!providers.setMode(params.name, modeFromRequest(request, Date.now())))
        throw unknownProvider(params.name);
      return ok({ provider: providers.health().find((p) => p.name === params.name) });
    },
  },
  {
    method: 'POST',
    path: '/admin/primary',
    control: true,
    async handle({ body, runtime }) {
      const { provider } = await body(primaryRequestSchema);
      const { config } = runtime.state;
      const names = config.chain.map((p) => p.name);
      if (!names.includes(provider)) throw unknownProvider(provider);
      // The ignore-primary-switch fault: the answer a switch would get, and no switch.
      if (runtime.faults.ignorePrimarySwitch)
        return ok({
          chain: [provider, ...names.filter((n) => n !== provider)],
          configVersion: config.version + 1,
        });
      config.promote(provider);
      return ok({ chain: config.chain.map((p) => p.name), configVersion: config.version });
    },
  },
];

function unknownProvider(name: string): ReturnType<typeof notFound> {
  return notFound('unknown_provider', `no provider named "${name}" is configured`);
}
