/**
 * The compact service model that drives the AWS codecs and routing. It is generated from the official
 * botocore service models by tools/generate-model.ts; never edit the *.generated.ts files by hand.
 */

export type ScalarType =
  'string' | 'integer' | 'long' | 'double' | 'float' | 'boolean' | 'timestamp' | 'blob';

export interface MemberModel {
  shape: string;
  /** Where a REST-JSON member travels; absent means the JSON body. */
  location?: 'uri' | 'querystring' | 'header' | 'headers';
  locationName?: string;
}

export interface StructureShape {
  type: 'structure';
  members: Record<string, MemberModel>;
  required?: string[];
  /** Present on exception shapes. `code` is the awsQueryError code where it differs from the shape name. */
  error?: { status: number; code?: string; fault: 'client' | 'server' };
}
export interface ListShape {
  type: 'list';
  member: string;
  min?: number;
  max?: number;
}
export interface MapShape {
  type: 'map';
  key: string;
  value: string;
}
export interface ScalarShape {
  type: ScalarType;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}
export type ShapeModel = StructureShape | ListShape | MapShape | ScalarShape;

export interface OperationModel {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  uri: string;
  input?: string;
  output?: string;
  /** v1 Query: the element that wraps the output members (`<XResult>`). */
  resultWrapper?: string;
  errors: string[];
  /**
   * Other HTTP bindings of the same operation. AWS has moved some operations (e.g. ListEmailIdentities from
   * `GET /v2/email/identities` to `POST /v2/email/list-identities`); older clients use the old binding and
   * newer ones the new, so both route. Each has its own input shape because member locations differ.
   */
  alternates?: { method: OperationModel['method']; uri: string; input?: string }[];
}

export interface ServiceModel {
  serviceId: string;
  apiVersion: string;
  protocol: 'rest-json' | 'query';
  signingName: string;
  xmlNamespace?: string;
  /** Where the operations and shapes came from, for the record. */
  sources: string[];
  operations: Record<string, OperationModel>;
  shapes: Record<string, ShapeModel>;
}
