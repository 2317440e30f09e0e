export { loadManifest, parseManifest, VULNERABLE_POLICIES, type Manifest, type ManifestModule, type VulnerablePolicy, parsePlatforms, type ManifestToolchains } from './manifest.js';
export { didYouMean } from './did-you-mean.js';
export { MAX_INPUT_FILE, readInputFile } from './read-input.js';
