// placeholder until the flow table lands
