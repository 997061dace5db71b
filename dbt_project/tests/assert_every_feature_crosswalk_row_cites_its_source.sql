-- A failure means a crosswalk_features row says neither which document line it follows
-- (`<document>.txt:<line>`) nor where its value was observed (`observed: ...`).
select
    provider,
    source_field,
    source_value,
    document_line
from {{ ref('crosswalk_features') }}
where
    document_line is null
    or (document_line not like '%.txt:%' and document_line not like 'observed%')
