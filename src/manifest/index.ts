export { loadManifest, parseManifest, parsePlatforms, type Manifest, type ManifestModule, type ManifestToolchains } from './manifest.js';
export { didYouMean } from './did-you-mean.js';
