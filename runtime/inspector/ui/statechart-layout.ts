/**
 * Lays out a machine's statechart with elkjs (layered, hierarchical: a
 * compound state contains its children; edges are labelled by event type).
 * One layout per machine id for the life of the page.
 *
 * Drawn: every state node except the root, an initial marker inside each
 * compound state, and one edge per (source, target) with its event types.
 * Transitions without a target, and the root's own transitions, do not move
 * between drawn boxes; they are returned as lists for the page to show.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { MachineDefinition, StateNodeDefinition } from '../api.ts';

export interface LaidState {
  readonly id: string;
  readonly key: string;
  readonly type: StateNodeDefinition['type'];
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  /** Events it handles without leaving the state. */
  readonly stays: readonly string[];
}

export interface LaidEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  /** SVG path data. */
  readonly path: string;
  readonly labelBox: { readonly x: number; readonly y: number; readonly width: number; readonly height: number } | null;
}

export interface LaidInitial {
  readonly x: number;
  readonly y: number;
  readonly path: string;
}

export interface Statechart {
  readonly width: number;
  readonly height: number;
  readonly states: readonly LaidState[];
  readonly edges: readonly LaidEdge[];
  readonly initials: readonly LaidInitial[];
  /** The root's transitions, taken in any state: event → target keys (empty: stays). */
  readonly anyState: readonly { readonly event: string; readonly targets: readonly string[] }[];
}

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
// Edge labels are drawn in the monospace stack (app.css .edge-label text).
const LABEL_FONT = '11px ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace';
const STATE_HEIGHT = 34;
const INITIAL_SIZE = 10;
const COMPOUND_HEADER = 26;

let measureContext: CanvasRenderingContext2D | null | undefined;
function textWidth(text: string, font: string): number {
  if (measureContext === undefined) measureContext = document.createElement('canvas').getContext('2d');
  if (measureContext === null) return text.length * 7;
  measureContext.font = font;
  return Math.ceil(measureContext.measureText(text).width);
}

const elk = new ELK();
const cache = new Map<string, Promise<Statechart>>();

/** The machine's layout, computed once per machine id. */
export function layoutMachine(machine: MachineDefinition): Promise<Statechart> {
  let layout = cache.get(machine.id);
  if (layout === undefined) {
    layout = computeLayout(machine);
    cache.set(machine.id, layout);
    layout.catch(() => cache.delete(machine.id));
  }
  return layout;
}

type Transition = StateNodeDefinition['transitions'][number];

/** The transitions of a state node; the eventless ones (the server sends them with an empty event type) are labelled `always`. */
function transitionsOf(node: StateNodeDefinition): readonly Transition[] {
  return node.transitions.map((transition) => (transition.eventType === '' ? { ...transition, eventType: 'always' } : transition));
}

const targetId = (target: string): string => (target.startsWith('#') ? target.slice(1) : target);

async function computeLayout(machine: MachineDefinition): Promise<Statechart> {
  const nodes = new Map<string, { node: StateNodeDefinition; depth: number }>();
  const edgeLabels = new Map<string, { source: string; target: string; events: string[] }>();
  const stays = new Map<string, string[]>();
  const anyState: { event: string; targets: string[] }[] = [];
  const root = machine.root;

  const collect = (node: StateNodeDefinition, depth: number): void => {
    for (const child of Object.values(node.states)) {
      nodes.set(child.id, { node: child, depth });
      collect(child, depth + 1);
    }
  };
  collect(root, 0);

  for (const transition of transitionsOf(root)) {
    const targets = (transition.target ?? []).map(targetId).filter((id) => nodes.has(id)).map((id) => nodes.get(id)!.node.key);
    const known = anyState.find((entry) => entry.event === transition.eventType && entry.targets.join() === targets.join());
    if (known === undefined) anyState.push({ event: transition.eventType, targets });
  }
  for (const [id, { node }] of nodes) {
    for (const transition of transitionsOf(node)) {
      const targets = (transition.target ?? []).map(targetId).filter((target) => nodes.has(target));
      if (targets.length === 0) {
        const list = stays.get(id) ?? [];
        if (!list.includes(transition.eventType)) list.push(transition.eventType);
        stays.set(id, list);
        continue;
      }
      for (const target of targets) {
        const key = `${id}->${target}`;
        const entry = edgeLabels.get(key) ?? { source: id, target, events: [] };
        if (!entry.events.includes(transition.eventType)) entry.events.push(transition.eventType);
        edgeLabels.set(key, entry);
      }
    }
  }

  const initialOf = (node: StateNodeDefinition): string | undefined => {
    const target = node.initial?.target?.[0];
    return target === undefined ? undefined : targetId(target);
  };
  const edges: ElkExtendedEdge[] = [];
  const labelText = new Map<string, string>();
  let edgeIndex = 0;
  for (const entry of edgeLabels.values()) {
    const id = `e${edgeIndex++}`;
    const text = entry.events.join(' / ');
    labelText.set(id, text);
    edges.push({ id, sources: [entry.source], targets: [entry.target], labels: [{ id: `${id}.label`, text, width: textWidth(text, LABEL_FONT) + 10, height: 16 }] });
  }

  const toElk = (node: StateNodeDefinition): ElkNode[] => {
    const children: ElkNode[] = [];
    const initial = initialOf(node);
    if (initial !== undefined && Object.keys(node.states).length > 0) {
      const markerId = `init:${node.id}`;
      children.push({ id: markerId, width: INITIAL_SIZE, height: INITIAL_SIZE });
      edges.push({ id: `i:${node.id}`, sources: [markerId], targets: [initial] });
    }
    for (const child of Object.values(node.states)) {
      const hasChildren = Object.keys(child.states).length > 0;
      const width = textWidth(child.key, FONT) + 36;
      children.push(hasChildren
        ? { id: child.id, children: toElk(child), layoutOptions: { 'elk.padding': `[top=${COMPOUND_HEADER + 8},left=14,bottom=14,right=14]`, 'elk.nodeSize.minimum': `(${width},${STATE_HEIGHT})`, 'elk.nodeSize.constraints': 'MINIMUM_SIZE' } }
        : { id: child.id, width: Math.max(width, 72), height: STATE_HEIGHT });
    }
    return children;
  };

  const graph: ElkNode = {
    id: `root:${root.id}`,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.edgeRouting': 'SPLINES',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeLabel': '4',
      'elk.spacing.edgeNode': '16',
      'elk.layered.spacing.edgeNodeBetweenLayers': '16',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: toElk(root),
    edges,
  };
  const laid = await elk.layout(graph);

  const states: LaidState[] = [];
  const initials = new Map<string, { x: number; y: number }>();
  const visit = (elkNode: ElkNode): void => {
    for (const child of elkNode.children ?? []) {
      const x = child.x ?? 0;
      const y = child.y ?? 0;
      if (child.id.startsWith('init:')) {
        initials.set(child.id.slice('init:'.length), { x: x + INITIAL_SIZE / 2, y: y + INITIAL_SIZE / 2 });
      } else {
        const known = nodes.get(child.id);
        if (known !== undefined) states.push({ id: child.id, key: known.node.key, type: known.node.type, x, y, width: child.width ?? 0, height: child.height ?? 0, depth: known.depth, stays: stays.get(child.id) ?? [] });
      }
      visit(child);
    }
  };
  visit(laid);

  const laidEdges: LaidEdge[] = [];
  const initialPaths = new Map<string, string>();
  const collectEdges = (elkNode: ElkNode): void => {
    for (const edge of elkNode.edges ?? []) {
      const path = edgePath(edge);
      if (edge.id.startsWith('i:')) {
        initialPaths.set(edge.id.slice('i:'.length), path);
        continue;
      }
      const label = edge.labels?.[0];
      laidEdges.push({
        id: edge.id,
        source: edge.sources[0]!,
        target: edge.targets[0]!,
        label: labelText.get(edge.id) ?? '',
        path,
        labelBox: label === undefined || label.x === undefined ? null : { x: label.x, y: label.y ?? 0, width: label.width ?? 0, height: label.height ?? 0 },
      });
    }
    for (const child of elkNode.children ?? []) collectEdges(child);
  };
  collectEdges(laid);

  return {
    width: Math.ceil(laid.width ?? 0),
    height: Math.ceil(laid.height ?? 0),
    states,
    edges: laidEdges,
    initials: [...initials].map(([id, marker]) => ({ ...marker, path: initialPaths.get(id) ?? '' })),
    anyState,
  };
}

function edgePath(edge: ElkExtendedEdge): string {
  const parts: string[] = [];
  for (const section of edge.sections ?? []) {
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    parts.push(smoothPath(points));
  }
  return parts.join(' ');
}

/**
 * ELK's spline routing gives control points of cubic Béziers (start, then
 * triples); other routings give polylines. Points in threes after the first are
 * drawn as cubic curves, anything else as straight segments.
 */
function smoothPath(points: readonly { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (first === undefined) return '';
  let d = `M${first.x.toFixed(1)},${first.y.toFixed(1)}`;
  if (rest.length % 3 === 0) {
    for (let i = 0; i < rest.length; i += 3) d += ` C${rest.slice(i, i + 3).map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}`;
  } else {
    for (const p of rest) d += ` L${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  }
  return d;
}

/** The ids of the state nodes active in `value` (a string or a nested object), found through the definition. */
export function activeStateIds(root: StateNodeDefinition, value: unknown): ReadonlySet<string> {
  const active = new Set<string>();
  const walk = (node: StateNodeDefinition, v: unknown): void => {
    if (typeof v === 'string') {
      const child = node.states[v];
      if (child !== undefined) active.add(child.id);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
        const child = node.states[key];
        if (child === undefined) continue;
        active.add(child.id);
        walk(child, inner);
      }
    }
  };
  walk(root, value);
  return active;
}
