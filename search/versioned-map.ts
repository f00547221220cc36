// A cache of what an index held at one version (a database's data version,
// an in-process index's count of additions and removals): emptied when the
// version changes, and when it grows past its cap, so it never answers from
// an index that has since changed and never grows without bound.

/** A map of what the index held at one version: emptied when the version changes or it grows past `cap` entries. */
export class VersionedMap<K, V> extends Map<K, V> {
  private version = '';
  constructor(private readonly cap: number) {
    super();
  }
  /** Empties the map unless it was filled at `version` and is within its cap. Call before reading. */
  keepFor(version: string): void {
    if (version !== this.version || this.size > this.cap) {
      this.clear();
      this.version = version;
    }
  }
}
