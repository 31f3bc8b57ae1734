export { bufferedSource, bufferSource, openFileSource, readAll, sliceSource, windowSource, type ByteSource, type FileSource } from './byte-source.ts';
export { dtypeItemSize } from './dtype.ts';
export type { Finding, Severity } from './finding.ts';
export { isTorchLegacyMagic, runPickle, torchStorageItemSize, type GlobalJudgement, type PickleContext, type PickleLimits, type PickleResult, type PickleStatus, type PyValue } from './pickle.ts';
export { messages, parseMessage, parseMessageHead, PbError, strings, walkFields, type PbField } from './protobuf.ts';
export { isTarHeader, listTarEntries, tarModelFormat, type TarEntry } from './tar.ts';
export { listZipEntries, openZipMember, readCentralDirectory, zipModelFormat, type ZipEntry } from './zip.ts';
