// The DynamoDB table that coordinates logins across containers (the login lease, the pause after a
// rejected login, ArcGIS's Retry-After): one item per account, written with conditional updates,
// which SSM cannot do (PutParameter is last-writer-wins, so a lease on it admits two holders).
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { COORDINATION_TABLE_KEY, COORDINATION_TTL_ATTRIBUTE } from '../lambda/domain/config/environment.js';

/**
 * The exact actions the function needs (lambda/adapters/dynamodb-login-coordinator.ts): consistent
 * reads and conditional updates; it never puts or deletes whole items, scans, queries or uses an index.
 */
export const COORDINATION_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

export function createCoordinationTable(scope: Construct): Table {
  return new Table(scope, 'CoordinationTable', {
    partitionKey: { name: COORDINATION_TABLE_KEY, type: AttributeType.STRING },
    // A few items written a few times an hour: on-demand costs nothing while idle.
    billingMode: BillingMode.PAY_PER_REQUEST,
    // Records end (a lease expires, a pause is over): DynamoDB deletes them after that, for free.
    timeToLiveAttribute: COORDINATION_TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // The AWS-owned key: the items hold no credentials or tokens, only who logs in and until when.
    encryption: TableEncryption.DEFAULT,
    // Only records that end within minutes (leases, pauses): nothing in it outlives the stack.
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
