import type { FastifyRequest } from 'fastify';
import type { Permission } from '../auth/index.ts';

/**
 * What a route needs: a permission (checked for the model named in its path, when it names one), or
 * `public` (health and the API description), or `authenticated` (any caller who proved who they are).
 */
export interface RouteAccess {
  permission: Permission | 'public' | 'authenticated';
  /** The route concerns no single model (content-addressed blobs): a grant for some models is enough. */
  anyModel?: boolean;
  /** A stricter permission the parsed request needs (promotion into production, a forced decision). */
  escalate?: (request: FastifyRequest) => Permission | undefined;
}

const body = (request: FastifyRequest): Record<string, unknown> => (typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {});

/** Moving into (or rolling back) production needs `stage.production`; forcing past a refusal needs `admin`. */
function stageEscalation(request: FastifyRequest): Permission | undefined {
  const b = body(request);
  if (b.force === true) return 'admin';
  return b.stage === 'production' ? 'stage.production' : undefined;
}

const read: RouteAccess = { permission: 'read' };
const push: RouteAccess = { permission: 'push' };
const blobRead: RouteAccess = { permission: 'read', anyModel: true };
const blobWrite: RouteAccess = { permission: 'push', anyModel: true };
const admin: RouteAccess = { permission: 'admin' };

/**
 * The permission of every route, by operation id. The server refuses to register a route that is missing
 * here, so no route is reachable without a decision about who may call it.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  // Operations
  health: { permission: 'public' },
  ready: { permission: 'public' },
  openapi: { permission: 'public' },
  metrics: read,
  // Identity
  whoami: { permission: 'authenticated' },
  listUsers: admin,
  addUser: admin,
  getUser: admin,
  setUserDisabled: admin,
  changeUserRoles: admin,
  listTokens: { permission: 'authenticated' },
  createToken: { permission: 'authenticated' },
  revokeToken: { permission: 'authenticated' },
  // Registry webhooks
  listWebhooks: admin,
  addWebhook: admin,
  removeWebhook: admin,
  deliverWebhooks: admin,
  // Models and versions
  listModels: read,
  getModel: read,
  setModelDescription: push,
  setModelTags: push,
  removeModelTags: push,
  listVersions: read,
  registerVersion: { permission: 'push', escalate: (r) => (body(r).force === true ? 'admin' : undefined) },
  getVersion: read,
  setVersionDescription: push,
  setVersionTags: push,
  removeVersionTags: push,
  lineage: read,
  diffVersions: read,
  evaluateVersion: { permission: 'evaluate' },
  runGates: { permission: 'evaluate' },
  listEvidence: read,
  addEvidence: push,
  // Lifecycle
  setStage: { permission: 'stage', escalate: stageEscalation },
  rollback: { permission: 'stage', escalate: stageEscalation },
  stageHistory: read,
  stagesAt: read,
  approveVersion: { permission: 'approve' },
  listApprovals: read,
  setAlias: { permission: 'stage' },
  removeAlias: { permission: 'stage' },
  events: read,
  // Scanning
  versionScan: read,
  rescanVersion: push,
  scanAllowlist: read,
  scanAllow: admin,
  scanDisallow: admin,
  // Integrity
  listTrustedKeys: read,
  trustKey: admin,
  untrustKey: admin,
  auditLog: read,
  auditCheckpoint: read,
  auditLogKey: read,
  auditInclusionProof: read,
  auditConsistencyProof: read,
  auditVerify: read,
  recordAnchor: admin,
  exportAnchors: read,
  exportProvenance: read,
  // Blobs
  statBlob: blobRead,
  getBlob: blobRead,
  putBlob: blobWrite,
  missingBlobs: blobWrite,
  createUpload: blobWrite,
  headUpload: blobWrite,
  getUpload: blobWrite,
  appendUpload: blobWrite,
  commitUpload: blobWrite,
  abortUpload: blobWrite,
  // Monitoring
  putProfile: { permission: 'monitor' },
  profileFromVersion: { permission: 'monitor' },
  getProfile: read,
  observe: { permission: 'monitor' },
  drift: { permission: 'monitor' },
  modelHealth: read,
};
