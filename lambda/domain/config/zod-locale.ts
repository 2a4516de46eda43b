// Why zod/mini and not classic zod: the same package and messages through a functional,
// tree-shakeable API. Classic zod cost ~11 ms fixed at every cold start (zod/mini ~1-3 ms) and was
// ~93 KB of the 410 KB Lambda bundle. zod/mini loads no locale (its own messages would all read
// "Invalid input"), so this module registers the English one; the named import lets the bundler
// keep that locale only. Every module under lambda/ that builds a schema imports this file beside
// zod/mini (re-exporting zod from here instead defeats tree-shaking: 361 KB -> 761 KB), except
// the client: it never shows zod's messages, and a library must not change the global zod
// configuration of the app that imports it.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());
