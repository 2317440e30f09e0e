#!/usr/bin/env node
import { run } from '../dist/app/main.js';

await run(process.argv.slice(2));
