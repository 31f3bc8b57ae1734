import type { VersionDetail } from './types.ts';

/** A resolved version and its JSON form, computed once and shared by every reader. */
export class VersionSnapshot {
  private text: string | undefined;
  constructor(readonly detail: VersionDetail) {}
  /** The version as JSON text. */
  get json(): string {
    return (this.text ??= JSON.stringify(this.detail));
  }
}
