/// The OpenAPI description of the JSON API, served at `/openapi.yaml` (its golden copy is
/// `Snapshots/openapi.yaml`).
enum OpenAPIDocument {
    static let text = #"""
        openapi: 3.0.3
        info:
          title: caseledger
          version: "1"
          description: |
            An event-sourced case ledger for resident medical insurance and medical assistance.
            Every route but /health and /openapi.yaml needs `Authorization: Bearer <token>`; a token has one
            role: ingest (append only), ops (reports, rebuild status, metrics), auditor (everything read-only,
            full identity numbers), investigator (timelines and years, identity numbers and names masked).
            Every read of a person's timeline, year or page is itself appended to the ledger as an
            access.recorded event. Errors are JSON: {"error": "...", "status": N, "problems": [...]}.
        servers:
          - url: http://127.0.0.1:8080
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          schemas:
            Error:
              type: object
              required: [error, status]
              properties:
                error: {type: string}
                status: {type: integer}
                problems:
                  type: array
                  items:
                    type: object
                    properties:
                      line: {type: integer}
                      field: {type: string}
                      reason: {type: string}
            Head:
              type: object
              properties:
                sequence: {type: integer}
                hash: {type: string}
          responses:
            Unauthorized:
              description: no token, or an unknown one
              content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
            Forbidden:
              description: the token's role may not do this
              content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
            NotFound:
              description: unknown person, report or route
              content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
        security:
          - bearer: []
        paths:
          /events:
            post:
              summary: Append a batch of interchange lines (JSON Lines), all or nothing (role ingest)
              parameters:
                - name: If-Match
                  in: header
                  required: false
                  description: >-
                    the person's stream version expected, when every line concerns one person: the
                    `versions` of the last append's answer or the timeline's `version` (ETag). Every
                    event of the stream advances it, access records of reads included.
                  schema: {type: string}
              requestBody:
                required: true
                content:
                  application/x-ndjson:
                    schema: {type: string}
              responses:
                "201":
                  description: appended
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          appended: {type: integer}
                          decisions: {type: integer}
                          duplicates: {type: integer}
                          sequences: {type: object, properties: {first: {type: integer}, last: {type: integer}}}
                          versions: {type: object, description: each person's stream version after the batch, additionalProperties: {type: integer}}
                          head: {$ref: "#/components/schemas/Head"}
                "200": {description: every line was a duplicate; nothing appended}
                "400": {description: a line does not parse or check; every problem is listed, nothing written, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "412": {description: the stream is no longer at the If-Match version; nothing written}
                "413": {description: the body exceeds 8 MiB}
                "422": {description: refused by the ledger's checks (unknown person, conflict…); nothing written, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
          /persons/{id}/timeline:
            get:
              summary: A person's events in order, each explained (roles auditor, investigator; the read is recorded)
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
                - {name: asOf, in: query, required: false, description: a sequence or a recorded time, schema: {type: string}}
              responses:
                "200":
                  description: the timeline; `version` (also the ETag) is the stream version after this read's access record, absent with asOf
                  headers: {ETag: {schema: {type: string}}}
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          person: {type: string}
                          version: {type: integer}
                          mergedPersons: {type: array, items: {type: string}}
                          events: {type: array, items: {type: object}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
          /persons/{id}/years/{year}:
            get:
              summary: A person-year's accumulator and decisions with their breakdowns (roles auditor, investigator; recorded)
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
                - {name: year, in: path, required: true, schema: {type: integer}}
              responses:
                "200": {description: accumulator and decisions, content: {application/json: {schema: {type: object}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
          /persons/{id}:
            get:
              summary: The person's page, HTML with SVG charts, no script (roles auditor, investigator; recorded)
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
                - {name: year, in: query, required: false, schema: {type: integer}}
              responses:
                "200": {description: the page, content: {text/html: {schema: {type: string}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
          /reports/{name}:
            get:
              summary: totals, risk, hospitals, tilted-unapplied, referrals, pending or financing (roles ops, auditor)
              parameters:
                - {name: name, in: path, required: true, schema: {type: string}}
                - {name: year, in: query, required: false, schema: {type: integer}}
                - {name: month, in: query, required: false, description: YYYY-MM, for risk, schema: {type: string}}
              responses:
                "200": {description: "{title, rows}", content: {application/json: {schema: {type: object}}}}
                "400": {description: a missing or bad year or month}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
          /params:
            get:
              summary: The policy parameters recorded in the ledger (roles ops, auditor, investigator)
              parameters:
                - {name: on, in: query, required: false, description: only those in force that day, schema: {type: string, format: date}}
              responses:
                "200": {description: the parameters, content: {application/json: {schema: {type: array, items: {type: object}}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
          /rebuild:
            get:
              summary: Where the projection and any rebuild stand (roles ops, auditor)
              responses:
                "200": {description: status, content: {application/json: {schema: {type: object}}}}
          /health:
            get:
              summary: Liveness and the ledger's head (no token)
              security: []
              responses:
                "200": {description: ok, content: {application/json: {schema: {type: object}}}}
          /metrics:
            get:
              summary: Prometheus text (roles ops, auditor)
              responses:
                "200": {description: metrics, content: {text/plain: {schema: {type: string}}}}
          /openapi.yaml:
            get:
              summary: This document (no token)
              security: []
              responses:
                "200": {description: the document}
        """#
}
