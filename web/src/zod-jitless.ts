/**
 * The page's content security policy forbids eval. zod would probe `Function('')` (reported as a
 * CSP violation) before falling back to the parser it then uses anyway; jitless skips the probe.
 * Imported first by inpage.ts, so this runs before any schema is built or used.
 */
import { config } from 'zod';

config({ jitless: true });
