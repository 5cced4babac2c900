import type { Route } from '../router.js';
import { adminRoutes } from './admin.js';
import { configRoutes } from './config.js';
import { observabilityRoutes } from './observability.js';
import { processRoutes } from './process.js';
import { providerRoutes } from './providers.js';
import { sessionRoutes } from './sessions.js';
import { toolRoutes } from './tools.js';

export const ALL_ROUTES: readonly Route[] = [
  ...observabilityRoutes,
  ...processRoutes,
  ...sessionRoutes,
  ...providerRoutes,
  ...toolRoutes,
  ...configRoutes,
  ...adminRoutes,
];
