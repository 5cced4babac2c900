#!/usr/bin/env node
import '../dist/target/upstream/cli.js';
