export { fsck, type FsckDeps, type FsckOptions, type FsckOrphan, type FsckProblem, type FsckProblemKind, type FsckReport } from './fsck.ts';
