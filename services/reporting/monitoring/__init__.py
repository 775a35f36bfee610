"""The funders' monitoring: the SQL read models fed from every case event (readmodel/), the
quarterly monitoring report computed from them (report/), and their rebuild from the stream."""
