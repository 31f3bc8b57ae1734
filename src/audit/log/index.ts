export {
  HASH_SIZE,
  consistencyProof,
  consistencyProofRanges,
  emptyRoot,
  inclusionProof,
  inclusionProofRanges,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';
export type { LeafHashSource, LeafRange } from './merkle.ts';
export { MemoryTreeNodeStore, MerkleTree, SyncMerkleTree } from './tree.ts';
export type { MaybePromise, NodeId, SyncTreeNodeStore, TreeNode, TreeNodeStore } from './tree.ts';
export {
  MAX_NOTE_SIGNATURES,
  NOTE_ALG_ED25519,
  ed25519VerifierKey,
  formatCheckpoint,
  generateNoteKey,
  isValidKeyName,
  noteKeyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
} from './checkpoint.ts';
export type { Checkpoint, Ed25519NoteSigner, Ed25519NoteVerifier, NoteKeyPair, NoteSignature, NoteSigner, NoteVerifier, OpenedNote } from './checkpoint.ts';
