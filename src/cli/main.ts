#!/usr/bin/env node
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { runMain } from './errors.js';

const program = new Command();
program
  .name('emovox')
  .description('Speech emotion recognition: features, training, evaluation and prediction.')
  .version('0.1.0');
for (const register of COMMANDS) register(program);

await runMain(() => program.parseAsync(process.argv));
