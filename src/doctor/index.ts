/**
 * `gomirror doctor`: the checks a person would do by hand with curl and
 * telnet when `go mod tidy` times out, with a verdict and a fix for each
 * failure.
 */
export { adviseNetworkError, adviseStatus, judgeContentType, proxyForUrl, type FileKind } from './advice.js';
export { checkEnvironment } from './env.js';
export { formatDoctorReport } from './format.js';
export { createDoctorProbes, goTrustedCa } from './probes.js';
export { readDoctorProject, readGoClient } from './go-client.js';
export { runDoctor, type DoctorOptions } from './run.js';
export { checkToolchain, type DoctorGoClient, type DoctorProject } from './toolchain.js';
export type { CheckResult, CheckStatus, DoctorProbes, DoctorReport, HttpAnswer, ProbeError, TlsInfo } from './types.js';
export { loadGoEnv } from './go-env.js';
