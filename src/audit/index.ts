/** `gomirror audit`: which mirrored versions known vulnerabilities affect. */
export { auditTree, formatAudit, type AuditFinding, type AuditOptions, type AuditResult, type AuditVuln } from './audit.js';
