import type { Command } from 'commander';
import { register as evaluate } from './evaluate.js';
import { register as features } from './features.js';
import { register as predict } from './predict.js';
import { register as serve } from './serve.js';
import { register as train } from './train.js';
import { register as info } from './info.js';
import { register as models } from './models.js';

/** Each CLI command lives in its own file and registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [info, features, predict, serve, train, evaluate, models];
