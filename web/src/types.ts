/** The appliance's dicts as README "Container dict" and "Image dict" describe them (only what the page shows). */
export interface ContainerDict {
  name: string;
  image: string;
  domain: string;
  id: string;
  state: string;
  status: string;
  created: string;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  owner: string;
  health?: string | null;
}

/** One `D/events` event (README "Topics"). */
export interface BerthEvent {
  event: string;
  name: string;
  time: string;
  container?: ContainerDict;
  /** Set on an event of a replica beyond the first: the container itself stays (its `removed` is a scale down). */
  replica?: number;
}

export interface ImageDict {
  name: string;
  id: string;
  created: string;
  size: number;
  url: string | null;
  ref: string | null;
  commit: string | null;
  base: string | null;
  command: string[] | null;
  built: string | null;
  owner: string;
  release?: number | null;
}
