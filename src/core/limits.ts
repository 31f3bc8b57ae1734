/** The most bytes a version's metadata may take (as a file, and as the canonical JSON a registration stores): it is a description, not data. */
export const MAX_METADATA_BYTES = 1024 * 1024;
