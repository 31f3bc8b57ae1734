import type { Digest } from '../core/digest.ts';
import type { MetadataLoad } from './metadata-file.ts';

/** What an artifact path named in the metadata turned out to be in a model source. */
export type ArtifactLookup =
  /** A regular file; its sha256 is computed (directory) or known (registration) only when asked. */
  | { kind: 'file'; digest(): Promise<Digest> }
  /** A TensorFlow SavedModel directory, which is listed as a whole. */
  | { kind: 'saved-model' }
  /** Not a usable artifact: the rule it breaks, what is wrong and what fixes it. */
  | { kind: 'problem'; rule: string; message: string; hint: string; directory?: boolean };

/** A small text file of a model source, read whole or refused. */
export type SmallFile =
  | { kind: 'text'; text: string }
  | { kind: 'missing' }
  | { kind: 'too-large'; size: number }
  /** Present but not readable as a small regular file: why, and what fixes it. */
  | { kind: 'refused'; message: string; hint: string };

/**
 * A model as the policy sees it, whoever holds it: its metadata (parsed, with positions when the original text
 * is known), its files, and a way to read its small files. A model directory on disk and a registration whose
 * files are stored blobs are the two sources.
 */
export interface ModelSource {
  /** Where the files are, as messages say it: `the model directory`, `the version's files`. */
  place: string;
  /** The metadata, or the problems that kept it from being read. */
  metadata(): Promise<MetadataLoad>;
  /** What an artifact path (already checked to be a safe relative path) is in this source. */
  artifact(rel: string): Promise<ArtifactLookup>;
  /** True when the path names a file of the source. */
  exists(rel: string): Promise<boolean>;
  /** Reads a text file of at most `maxBytes`; larger files are refused unread. */
  readText(rel: string, maxBytes: number): Promise<SmallFile>;
  /** The names at the top of the source, to suggest the right one for a near miss. */
  topLevelNames(): Promise<string[]>;
}
