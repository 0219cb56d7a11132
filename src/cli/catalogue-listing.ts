import { CATALOGUE, TargetInfo, namesOf } from "../binfmt";

export interface CatalogueRow extends TargetInfo {
  /** Every name that resolves to this target, its QEMU name first. */
  readonly acceptedNames: readonly string[];
}

export function catalogueRows(): CatalogueRow[] {
  return CATALOGUE.map((t) => ({ ...t, acceptedNames: namesOf(t) }));
}

/** A plain-text table, one target per line. */
export function renderCatalogueTable(): string {
  const header = ["TARGET", "FAMILY", "EMULATOR", "UNAME -M", "DEBIAN", "DOCKER PLATFORMS", "IMAGES", "ALSO ACCEPTED"];
  const rows = catalogueRows().map((r) => [
    r.name,
    r.family,
    r.qemuBinary,
    r.unameMachine,
    r.debianArch ?? "-",
    r.dockerPlatforms.join(",") || "-",
    r.imageNamespaces.join(",") || "-",
    r.acceptedNames.filter((n) => n !== r.name && !r.dockerPlatforms.includes(n) && !r.imageNamespaces.includes(n)).join(",") || "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ");
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
