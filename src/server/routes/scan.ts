import type { AppContext } from '../../app.ts';
import { actorOf } from '../actor.ts';
import { JSON_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import { AllowlistEntry, VersionScan } from '../../scan/schemas.ts';
import { SelectorParams } from '../schemas/registry.ts';
import { GlobalParams, ScanAllowBody, ScanAllowlist } from '../schemas/scan.ts';

/** Stored scan reports, server-side re-scans and the registry's reviewed allowlist. */
export function scanRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/scan',
      operationId: 'versionScan',
      summary: 'The newest scan report stored with a version',
      tag: 'scan',
      params: SelectorParams,
      responses: { 200: { description: 'the stored report', schema: VersionScan } },
      handler: async (req) => {
        const { name, selector } = req.params;
        return (await app.scan(actorOf(req))).versionScan(`${name}@${selector}`);
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:name/versions/:selector/scan',
      operationId: 'rescanVersion',
      summary: 'Re-scan the stored files of a version with the current policy and record the report as evidence',
      tag: 'scan',
      params: SelectorParams,
      responses: { 200: { description: 'the new report', schema: VersionScan } },
      handler: async (req) => {
        const { name, selector } = req.params;
        return (await app.scan(actorOf(req))).rescan(`${name}@${selector}`);
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/scan/allowlist',
      operationId: 'scanAllowlist',
      summary: 'The globals this registry allows on top of the built-in allowlist, with reviewer and reason',
      tag: 'scan',
      responses: { 200: { description: 'the reviewed entries', schema: ScanAllowlist } },
      handler: async (req) => ({ items: await (await app.scan(actorOf(req))).allowlist() }),
    }),
    route({
      method: 'PUT',
      url: '/api/v1/scan/allowlist/:global',
      operationId: 'scanAllow',
      summary: 'Allow a reviewed global (the actor is the reviewer; known-dangerous globals are refused); logged as scan.allowlist.add',
      tag: 'scan',
      params: GlobalParams,
      body: ScanAllowBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 200: { description: 'the entry stored', schema: AllowlistEntry } },
      handler: async (req) => (await app.scan(actorOf(req))).allow(req.params.global, req.body.reason),
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/scan/allowlist/:global',
      operationId: 'scanDisallow',
      summary: 'Remove a global from the registry allowlist; logged as scan.allowlist.remove',
      tag: 'scan',
      params: GlobalParams,
      responses: { 200: { description: 'the entry removed', schema: AllowlistEntry } },
      handler: async (req) => (await app.scan(actorOf(req))).disallow(req.params.global),
    }),
  ];
}
