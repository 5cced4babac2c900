#!/usr/bin/env node
import '../dist/target/cli.js';
