/**
 * A Docker image reference as the engine parses it (distribution/reference): [host[:port]/]path[:tag][@digest].
 * Used for the bases catalog and, with build.allowAnyBase, for a Run.yaml Base; it can never carry whitespace,
 * newlines or quotes into the generated Dockerfile.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
export const IMAGE_REF = new RegExp(
  `^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

export function isImageRef(ref: string): boolean {
  return ref.length <= 255 && IMAGE_REF.test(ref);
}
