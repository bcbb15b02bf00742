/** "3 min", "2 h", "5 d" since an ISO time. */
export function since(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** Bytes as MiB with one decimal ("300.0 MiB"): memory limits are set in binary units (300m). */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The repository page of a build URL (`https://host/repo.git#ref:subdir` → `https://host/repo.git`), only for http(s). */
export function repositoryLink(url: string | null): string | undefined {
  if (!url) return undefined;
  const base = url.split('#', 1)[0]!;
  try {
    const u = new URL(base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
