// Apart from the statistics so the CLI can list and check method names without loading them.
/** A drift method, or `auto` to choose per feature. */
export type DriftMethod = 'auto' | 'ks' | 'psi' | 'js' | 'wasserstein' | 'chi2' | 'z';
/** Every drift method name, `auto` first. */
export const DRIFT_METHODS: readonly DriftMethod[] = ['auto', 'ks', 'psi', 'js', 'wasserstein', 'chi2', 'z'];
