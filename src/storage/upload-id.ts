/** An upload id (a UUID). */
export const UPLOAD_ID_PATTERN = /^[0-9a-f-]{36}$/;
