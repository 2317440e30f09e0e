export { loadManifest, parseManifest, type Manifest, type ManifestModule } from './manifest.js';
export { didYouMean } from './did-you-mean.js';
