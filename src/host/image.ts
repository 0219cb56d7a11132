/**
 * The image install source: static QEMU interpreters taken from an OCI image pinned by digest, through
 * the host's own docker daemon, into a directory the component owns, keyed by the digest (so two pins
 * coexist during a switch, and a pin's files never change under a running emulated process). Pure.
 *
 * Image layout read: `/usr/bin/qemu-<cpu>`, statically linked, the layout of tonistiigi/binfmt and of
 * the lab's `pqb-lab/qemu-user-static` images (dev/lab/images/qemu-images.mjs).
 */
import { TargetInfo } from "../binfmt";

/** Where the component keeps interpreters copied from images: `<root>/<digest hex>/qemu-<cpu>`. */
export const IMAGE_INTERPRETER_ROOT = "/var/lib/pulumi-qemu-binfmt/qemu";
/** Where the interpreters are inside the image. */
export const IMAGE_INTERPRETER_DIR = "/usr/bin";

/** An image reference pinned by digest, split. */
export interface PinnedImage {
  /** As given, e.g. "registry.example:5000/qemu/qemu-user-static@sha256:…" (a tag before @ is allowed and ignored by docker). */
  readonly reference: string;
  /** The 64 hex digits of the sha256 manifest digest. */
  readonly digestHex: string;
}

const REFERENCE = /^[a-z0-9][a-z0-9._-]*(:[0-9]+)?(\/[a-z0-9][a-z0-9._-]*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:([a-f0-9]{64})$/;

/**
 * Parse an image reference that must be pinned by digest. Throws an Error quoting the value: a tag alone
 * can be moved to other content by whoever controls the registry, so the same program could install
 * another QEMU tomorrow.
 */
export function parsePinnedImage(reference: string): PinnedImage {
  const m = REFERENCE.exec(reference);
  const hex = m?.[4];
  if (m === null || hex === undefined) {
    const at = reference.lastIndexOf("@sha256:");
    const why =
      at < 0
        ? "it is not pinned by digest (a tag can move)"
        : !/^[a-f0-9]{64}$/.test(reference.slice(at + 8))
          ? "the digest must be sha256: followed by 64 lower-case hex digits"
          : `the name ${JSON.stringify(reference.slice(0, at))} is not a docker reference (lower-case registry/path components, an optional :port and :tag; IPv6 registries are not supported)`;
    throw new Error(
      `invalid image ${JSON.stringify(reference)}: ${why}; expected NAME@sha256:<64 hex>, e.g. "registry.example:5000/qemu-user-static@sha256:1c7e…" (docker buildx imagetools inspect NAME:TAG, or the registry's Docker-Content-Digest header, gives the digest)`,
    );
  }
  return { reference, digestHex: hex };
}

/** The directory of one pin's interpreters on the host. */
export function imageDir(image: PinnedImage): string {
  return `${IMAGE_INTERPRETER_ROOT}/${image.digestHex}`;
}

/** The interpreter path a rule names for `target` under the image source. */
export function imageInterpreterPath(image: PinnedImage, target: TargetInfo): string {
  return `${imageDir(image)}/${target.qemuBinary}`;
}

/** What the image script installs on one host. */
export interface ImagePlan {
  readonly image: PinnedImage;
  readonly dir: string;
  /** The `qemu-<cpu>` binaries the registered targets need, each once, sorted. */
  readonly binaries: readonly string[];
}

export function imagePlan(image: PinnedImage, registered: readonly TargetInfo[]): ImagePlan {
  return { image, dir: imageDir(image), binaries: [...new Set(registered.map((t) => t.qemuBinary))].sort() };
}
