/**
 * Which images a resource may run (`spec.image`): without a limit, anyone allowed to create a
 * custom resource could make the operator's service account deploy any image with the Secrets it
 * mounts. The chart's `allowedImages` is the limit; the operator's own default image always passes.
 */

/** The dev default every install allows (DESIGN: `docker build -t cryptoutil:dev .`). */
export const DEV_IMAGE = 'cryptoutil:dev';

/**
 * One allowed entry against one image reference. `*` matches any run of characters; an entry
 * ending in `/` (a registry or repository path) or `:` (every tag of one repository) is a prefix;
 * any other entry must equal the image exactly, so `cryptoutil` never admits `cryptoutil-evil`.
 */
export function imageMatches(entry: string, image: string): boolean {
  if (entry.includes('*')) {
    const pattern = entry.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/gu, '\\$&')).join('.*');
    return new RegExp(`^${pattern}$`, 'u').test(image);
  }
  return entry.endsWith('/') || entry.endsWith(':') ? image.startsWith(entry) : image === entry;
}

/** True when some entry admits `image`. */
export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => imageMatches(entry, image));
}

/** The chart's list as the operator receives it (`CRYPTOUTIL_ALLOWED_IMAGES`, comma-separated). */
export function parseAllowedImages(text: string): string[] {
  return text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}
