export { fsck, type FsckDeps, type FsckOptions, type FsckOrphan, type FsckProblem, type FsckProblemKind, type FsckReport } from './fsck.ts';
export { backup, verifyBackup, type BackupManifest, type BackupProgress, type BackupSource } from './backup.ts';
export { restore, type RestoreTarget } from './restore.ts';
