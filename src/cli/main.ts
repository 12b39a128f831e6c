#!/usr/bin/env node
import { Command } from 'commander';
import { loadCommands } from './commands/index.js';
import { runMain } from './errors.js';

const program = new Command();
program
  .name('emovox')
  .description('Speech emotion recognition: features, training, evaluation and prediction.')
  .version('0.1.0');

await runMain(async () => {
  for (const register of await loadCommands(process.argv)) register(program);
  await program.parseAsync(process.argv);
});
