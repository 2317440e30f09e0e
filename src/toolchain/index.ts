/**
 * Go toolchains as modules (Go: cmd/go/internal/gover, cmd/go/internal/toolchain,
 * modfetch/toolchain.go), pure: Go version order, the golang.org/toolchain
 * module versions and their platforms, toolchain queries, which toolchain a
 * project switches to, and what a sync mirrors.
 */
export { TOOLCHAIN_MODULE, goVersionsOnEveryPlatform, isValidPlatform, listableToolchainVersions, parseToolchainModuleVersion, toolchainModuleVersion } from './dl-version.js';
export { compareGoVersions, goLang, goVersionOfToolchain, isLangVersion, isPrereleaseGoVersion, isValidGoVersion, sortGoVersions } from './gover.js';
export { needsToolchainList, planToolchains, type ToolchainPick, type ToolchainPlan, type ToolchainRequest } from './plan.js';
export { REQUIRED_PLATFORM, goPlatformOf, toolchainPlatforms } from './platforms.js';
export { newerToolchain, parseToolchainQuery, resolveToolchainQuery, type ToolchainQuery } from './query.js';
export { selectProjectToolchain, type ProjectToolchain } from './select.js';
