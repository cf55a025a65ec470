/** Registers every filter (each module adds its own to the registry on import). */
import './core.js';
import './collections.js';
import './text.js';
import './serialize.js';
import './paths.js';
import './ip.js';
