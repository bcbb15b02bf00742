/**
 * A radix tree over UTF-16 code units: string-prefix semantics, as Crossbar.io matches `prefix` registrations and
 * subscriptions (`uri.startsWith(pattern)`). A lookup walks the URI once, so its cost depends on the URI's length and not
 * on how many prefixes are stored. Edges are compressed, so memory grows with the stored keys, not with their characters.
 */
export class PrefixTrie<V> {
  private readonly root: TrieNode<V> = { label: '', children: new Map(), value: undefined };

  set(key: string, value: V): void {
    let node = this.root;
    let i = 0;
    for (;;) {
      if (i === key.length) {
        node.value = value;
        return;
      }
      const child = node.children.get(key[i]!);
      if (!child) {
        node.children.set(key[i]!, { label: key.slice(i), children: new Map(), value });
        return;
      }
      const common = commonLength(child.label, key, i);
      if (common < child.label.length) {
        // Split the edge: the shared part becomes a node of its own.
        const mid: TrieNode<V> = { label: child.label.slice(0, common), children: new Map(), value: undefined };
        child.label = child.label.slice(common);
        mid.children.set(child.label[0]!, child);
        node.children.set(key[i]!, mid);
        node = mid;
      } else {
        node = child;
      }
      i += common;
    }
  }

  delete(key: string): void {
    const path: TrieNode<V>[] = [this.root];
    let node = this.root;
    let i = 0;
    while (i < key.length) {
      const child = node.children.get(key[i]!);
      if (!child || !key.startsWith(child.label, i)) return;
      i += child.label.length;
      node = child;
      path.push(node);
    }
    node.value = undefined;
    // Prune: drop empty leaves, merge a valueless node into its only child, so the tree stays as small as its keys.
    for (let d = path.length - 1; d > 0; d--) {
      const n = path[d]!;
      const parent = path[d - 1]!;
      if (n.value !== undefined) break;
      if (n.children.size === 0) {
        parent.children.delete(n.label[0]!);
        continue;
      }
      if (n.children.size === 1) {
        const only = n.children.values().next().value!;
        only.label = n.label + only.label;
        parent.children.set(only.label[0]!, only);
      }
      break;
    }
  }

  /** Every stored value whose key is a prefix of `uri`, shortest key first. */
  forEachPrefixOf(uri: string, visit: (value: V) => void): void {
    let node = this.root;
    let i = 0;
    for (;;) {
      if (node.value !== undefined) visit(node.value);
      if (i >= uri.length) return;
      const child = node.children.get(uri[i]!);
      if (!child || !uri.startsWith(child.label, i)) return;
      i += child.label.length;
      node = child;
    }
  }

  /** The value of the longest key that is a prefix of `uri`. */
  longestPrefixOf(uri: string): V | undefined {
    let best: V | undefined;
    this.forEachPrefixOf(uri, (v) => (best = v));
    return best;
  }
}

interface TrieNode<V> {
  label: string;
  readonly children: Map<string, TrieNode<V>>;
  value: V | undefined;
}

function commonLength(label: string, key: string, from: number): number {
  const max = Math.min(label.length, key.length - from);
  let n = 0;
  while (n < max && label.charCodeAt(n) === key.charCodeAt(from + n)) n++;
  return n;
}
