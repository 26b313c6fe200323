import { fileURLToPath } from 'node:url';

/** Where the checkout, ../shared and the regression captures are (no test-runner imports: bench/ uses it too). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const PCAPS = fileURLToPath(new URL('../../pcaps/', import.meta.url));
