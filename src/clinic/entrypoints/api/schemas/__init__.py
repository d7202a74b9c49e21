"""marshmallow schemas of the API's requests and answers, one module per resource
(`catalog`, `patients`, `appointments`, `clinic`, `reports`, `partner`) over `common`. Import
from the module that holds a schema: nothing is re-exported here."""
