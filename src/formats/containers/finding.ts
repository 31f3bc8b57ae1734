/** How bad one finding is; `unscannable` means the scanner could not judge the bytes. */
export type Severity = 'info' | 'suspicious' | 'dangerous' | 'unscannable';

/** One thing a reader or the scanner noticed, with where and why. */
export interface Finding {
  severity: Severity;
  /** What was found: 'global', 'call', 'build', 'op', 'limit', 'malformed', 'trailing', 'external_data', 'layer', 'container', … */
  kind: string;
  /** The global, op, layer or location at fault, e.g. `os.system`. */
  name?: string;
  /** Byte offset in the file or, with `member`, in the decoded member. */
  offset?: number;
  /** Path inside an archive, nested archives joined with `!`. */
  member?: string;
  message: string;
}
