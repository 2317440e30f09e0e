export { loadManifest, parseManifest, type Manifest, type ManifestModule } from './manifest.js';
export { didYouMean } from './did-you-mean.js';
export { MAX_INPUT_FILE, readInputFile } from './read-input.js';
