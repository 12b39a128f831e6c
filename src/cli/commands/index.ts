import type { Command } from 'commander';

/** Each CLI command lives in its own file and registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Command name -> its module, loaded on demand: `emovox info` need not load TensorFlow.js,
 * the trainer and the server. Listed in the order `emovox --help` shows them.
 */
export const COMMAND_LOADERS: Record<string, () => Promise<{ register: RegisterCommand }>> = {
  info: () => import('./info.js'),
  features: () => import('./features.js'),
  predict: () => import('./predict.js'),
  serve: () => import('./serve.js'),
  train: () => import('./train.js'),
  evaluate: () => import('./evaluate.js'),
  tune: () => import('./tune.js'),
  models: () => import('./models.js'),
  queue: () => import('./queue.js'),
  worker: () => import('./worker.js'),
};

/**
 * The modules needed to parse `argv`: just the named command's when the first argument is a
 * command, every command's otherwise (for `emovox --help`, `emovox help CMD`, typos).
 */
export async function loadCommands(argv: string[]): Promise<RegisterCommand[]> {
  const first = argv[2];
  const loaders =
    first !== undefined && Object.hasOwn(COMMAND_LOADERS, first)
      ? [COMMAND_LOADERS[first]]
      : Object.values(COMMAND_LOADERS);
  return (await Promise.all(loaders.map((load) => load()))).map((m) => m.register);
}
