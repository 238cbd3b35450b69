/**
 * The operator's guards against acting as a confused deputy: what a resource may run (images),
 * which Secrets its pods may mount, and which existing objects the operator may write.
 */
export { DEV_IMAGE, imageAllowed, imageMatches, parseAllowedImages } from './images.ts';
export { ALLOW_MOUNT_LABEL, mayMount } from './secrets.ts';
export { describeObject, ownedBy } from './ownership.ts';
