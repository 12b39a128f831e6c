import { EmovoxError } from '../errors.js';

/** A channel condition that cannot be parsed or run (user-facing: a bad name, setting or resource). */
export class ChannelError extends EmovoxError {
  constructor(message: string) {
    super('BAD_CHANNEL', message);
  }
}
