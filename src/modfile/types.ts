/** A module path at a version (module.Version). */
export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
}

/** A `require` directive. */
export interface Require extends ModuleVersion {
  /** Marked `// indirect`. */
  readonly indirect: boolean;
  readonly line: number;
}

/** An `exclude` directive. */
export interface Exclude extends ModuleVersion {
  readonly line: number;
}

/**
 * A `replace` directive. `old.version` undefined: every version of old.path.
 * `new.version` undefined: `new.path` is a local directory, not a module.
 */
export interface Replace {
  readonly old: { readonly path: string; readonly version?: string };
  readonly new: { readonly path: string; readonly version?: string };
  readonly line: number;
}

/** A `retract` directive: the closed interval [low, high] (equal for one version). */
export interface Retract {
  readonly low: string;
  readonly high: string;
  /** The comments above or beside the directive, without `//`, one per line. */
  readonly rationale: string;
  readonly line: number;
}

/** A parsed go.mod file. */
export interface GoModFile {
  readonly file: string;
  readonly module?: string;
  /** The `go` directive, e.g. `1.17` or `1.21.0`. */
  readonly go?: string;
  /** The `toolchain` directive, e.g. `go1.23.4` or `default` (main modules only; lax parsing drops it). */
  readonly toolchain?: string;
  /** Line numbers of the go and toolchain directives, for messages. */
  readonly lines?: DirectiveLines;
  /** The module directive's "Deprecated:" paragraph (Go: modfile.File.Module.Deprecated). */
  readonly deprecated?: string;
  readonly require: readonly Require[];
  readonly exclude: readonly Exclude[];
  readonly replace: readonly Replace[];
  readonly retract: readonly Retract[];
}

/** A parsed go.work file. */
export interface GoWorkFile {
  readonly file: string;
  readonly go?: string;
  readonly toolchain?: string;
  readonly lines?: DirectiveLines;
  /** The `use` directories, as written (relative to the go.work file's directory). */
  readonly use: readonly { readonly dir: string; readonly line: number }[];
  readonly replace: readonly Replace[];
}

/** Where a file's go and toolchain directives are. */
export interface DirectiveLines {
  readonly go?: number;
  readonly toolchain?: number;
}
