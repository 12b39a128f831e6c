import type { Command } from 'commander';
import { register as evaluate } from './evaluate.js';
import { register as info } from './info.js';

/** Each CLI command lives in its own file and registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [info, evaluate];
