/**
 * Wildcard patterns (`a..c`: an empty component matches any one component) indexed component by component. A lookup
 * follows at most two edges per URI component (the component itself and "any"), so its cost depends on the URI's
 * components and on how many patterns share its path, not on how many patterns are stored.
 */
export class WildcardIndex<V> {
  private readonly root: WildNode<V> = newNode();
  private seq = 0;

  set(pattern: string, value: V): void {
    let node = this.root;
    for (const c of pattern.split('.')) {
      const edges = c === '' ? undefined : node.exact;
      let next = edges ? edges.get(c) : node.any;
      if (!next) {
        next = newNode();
        if (edges) edges.set(c, next);
        else node.any = next;
      }
      node = next;
    }
    // Insertion order breaks ties between equally specific patterns (the first registered wins, as before).
    node.leaf = { value, fixed: pattern.split('.').filter((c) => c !== '').length, seq: this.seq++ };
  }

  delete(pattern: string): void {
    const path: { node: WildNode<V>; component: string }[] = [];
    let node: WildNode<V> | undefined = this.root;
    for (const c of pattern.split('.')) {
      path.push({ node, component: c });
      node = c === '' ? node.any : node.exact.get(c);
      if (!node) return;
    }
    node.leaf = undefined;
    for (let d = path.length - 1; d >= 0 && isEmpty(node); d--) {
      const { node: parent, component } = path[d]!;
      if (component === '') parent.any = undefined;
      else parent.exact.delete(component);
      node = parent;
    }
  }

  /** Every value whose pattern matches `uri`. */
  forEachMatch(uri: string, visit: (value: V) => void): void {
    const parts = uri.split('.');
    // An explicit stack, not recursion: a pattern may have as many components as a frame has bytes.
    const stack: [WildNode<V>, number][] = [[this.root, 0]];
    for (let top = stack.pop(); top; top = stack.pop()) {
      const [node, depth] = top;
      if (depth === parts.length) {
        if (node.leaf) visit(node.leaf.value);
        continue;
      }
      if (node.any) stack.push([node.any, depth + 1]);
      const exact = node.exact.get(parts[depth]!);
      if (exact) stack.push([exact, depth + 1]);
    }
  }

  /** The matching pattern with the most fixed components (ties: the one stored first). */
  best(uri: string): V | undefined {
    const parts = uri.split('.');
    let best: Leaf<V> | undefined;
    // Depth first, fixed components before "any", so the most specific candidates come first and prune the rest.
    const stack: [WildNode<V>, number, number][] = [[this.root, 0, 0]];
    for (let top = stack.pop(); top; top = stack.pop()) {
      const [node, depth, fixed] = top;
      // Even fixing every remaining component could not beat what we have: skip this branch.
      if (best && fixed + (parts.length - depth) < best.fixed) continue;
      if (depth === parts.length) {
        const leaf = node.leaf;
        if (leaf && (!best || leaf.fixed > best.fixed || (leaf.fixed === best.fixed && leaf.seq < best.seq))) best = leaf;
        continue;
      }
      if (node.any) stack.push([node.any, depth + 1, fixed]);
      const exact = node.exact.get(parts[depth]!);
      if (exact) stack.push([exact, depth + 1, fixed + 1]);
    }
    return best?.value;
  }
}

interface Leaf<V> {
  readonly value: V;
  readonly fixed: number;
  readonly seq: number;
}

interface WildNode<V> {
  readonly exact: Map<string, WildNode<V>>;
  any: WildNode<V> | undefined;
  leaf: Leaf<V> | undefined;
}

const newNode = <V>(): WildNode<V> => ({ exact: new Map(), any: undefined, leaf: undefined });
const isEmpty = <V>(n: WildNode<V>) => !n.leaf && !n.any && n.exact.size === 0;
