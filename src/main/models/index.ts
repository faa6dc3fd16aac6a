/**
 * Model packs: manifest, loading and I/O checks, execution providers, session cache, model manager.
 */
export { MANIFEST_FORMAT_VERSION, PackManifest, parseManifest, GRAPH_CONTRACTS } from './manifest';
export type { LatentDiffusionManifest, Wav2LipManifest, GraphSpec, TensorSpec, PackFamily } from './manifest';
export { checkGraphIo, dimCompatible, formatShape } from './io-check';
export { readPackManifest, verifyPackFiles, MANIFEST_FILE, type LoadedPack, type VerifyMode } from './pack';
export { openPack, openLoadedPack, openGraph, closeAllPacks, type OpenPack, type GraphSession } from './sessions';
export {
  createSessionWithFallback,
  defaultProviderOrder,
  resolveProviderOrder,
  providerUnavailableReason,
  PROVIDER_LABEL,
  type ProviderName,
} from './providers';
export { ModelManager, defaultModelsRoot, type InstalledPack, type InstallProgress, type ModelManagerOptions } from './manager';
export { BUILTIN_CATALOGUE, CatalogueEntry, CatalogueFile, readCatalogueFile } from './catalogue';
export { downloadVerified, type DownloadProgress } from './download';
export { wav2lipManifestForOnnx } from './wav2lip-onnx';
export { sha256File } from '../util/file-hash';
