import { HttpError } from './errors.js';
import type { ModelContext } from './model-context.js';

/** Model ids appear in URLs (/model/<id>/) and stored rows: one plain path segment. */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Throws unless there is at least one id and every id is a distinct plain name. */
export function checkModelIds(ids: readonly string[]): void {
  if (ids.length === 0) throw new Error('the server needs at least one model');
  const seen = new Set<string>();
  for (const id of ids) {
    if (!MODEL_ID_PATTERN.test(id)) {
      throw new Error(
        `model id "${id}" must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit ` +
          '(it is the bundle folder name; rename the folder)',
      );
    }
    if (seen.has(id)) {
      throw new Error(`two models are both named "${id}" (the bundle folder name); rename one folder`);
    }
    seen.add(id);
  }
}

/** The models a server answers with; the first is the default. */
export class ModelSet {
  private readonly byId: Map<string, ModelContext>;

  constructor(readonly all: readonly ModelContext[]) {
    checkModelIds(all.map((m) => m.id));
    this.byId = new Map(all.map((m) => [m.id, m]));
  }

  get default(): ModelContext {
    return this.all[0];
  }

  get ids(): string[] {
    return this.all.map((m) => m.id);
  }

  /** The named model (the default when `id` is empty), or a 404 listing the names there are. */
  get(id?: string | null): ModelContext {
    if (id === undefined || id === null || id === '') return this.default;
    const m = this.byId.get(id);
    if (!m) {
      throw new HttpError(
        404,
        'UNKNOWN_MODEL',
        `no model named ${JSON.stringify(id)} on this server; models: ${this.ids.join(', ')}`,
      );
    }
    return m;
  }
}
