<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- routes: legs coloured by risk per 100 km (deaths_per_1000_100km, deaths per 1,000 traversals per 100 km), classes by natural breaks of its logarithm fitted to the legs exported. Each direction drawn 0.7 mm to its side of travel; arrows on one-way legs; width and dash by mode (boats dotted or dash-dotted, trails wide, roads thin); legs whose estimate is over 50% prior dashed and pale; legs without an estimate grey and dashed. docs/COLUMNS.md -->
<qgis version="3.22.0-Białowieża" styleCategories="Symbology">
  <renderer-v2 type="graduatedSymbol" attr="coalesce(&quot;deaths_per_1000_100km&quot;, -1)" graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="1" forceraster="0" referencescale="-1">
    <ranges>
      <range lower="-1" upper="-0.5" symbol="0" label="no estimate" render="true" />
      <range lower="0.0" upper="0.007" symbol="1" label="under 0.007 (30 legs)" render="true" />
      <range lower="0.007" upper="0.027" symbol="2" label="0.007 to 0.027 (55 legs)" render="true" />
      <range lower="0.027" upper="0.11" symbol="3" label="0.027 to 0.11 (48 legs)" render="true" />
      <range lower="0.11" upper="0.5" symbol="4" label="0.11 to 0.5 (54 legs)" render="true" />
      <range lower="0.5" upper="1000000000.0" symbol="5" label="0.5 or more (44 legs)" render="true" />
    </ranges>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="line_color" type="QString" value="136,136,136,255" />
            <Option name="line_style" type="QString" value="dash" />
            <Option name="line_width" type="QString" value="0.6" />
            <Option name="line_width_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
          </Option>
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="line_color" v="136,136,136,255" />
          <prop k="line_style" v="dash" />
          <prop k="line_width" v="0.6" />
          <prop k="line_width_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="outlineWidth" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN &quot;mode&quot; = 'road' THEN 0.5 WHEN &quot;mode&quot; = 'foot' THEN 0.9 WHEN &quot;mode&quot; = 'jungle_foot' THEN 1.1 WHEN &quot;mode&quot; = 'border_foot' THEN 0.7 WHEN &quot;mode&quot; = 'river_boat' THEN 0.8 WHEN &quot;mode&quot; = 'sea_boat' THEN 0.9 ELSE 0.6 END" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
        </layer>
        <layer class="MarkerLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="average_angle_length" type="QString" value="4" />
            <Option name="average_angle_unit" type="QString" value="MM" />
            <Option name="interval" type="QString" value="18" />
            <Option name="interval_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
            <Option name="offset_along_line" type="QString" value="9" />
            <Option name="offset_along_line_unit" type="QString" value="MM" />
            <Option name="placement" type="QString" value="interval" />
            <Option name="placements" type="QString" value="Interval" />
            <Option name="rotate" type="QString" value="1" />
          </Option>
          <prop k="average_angle_length" v="4" />
          <prop k="average_angle_unit" v="MM" />
          <prop k="interval" v="18" />
          <prop k="interval_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <prop k="offset_along_line" v="9" />
          <prop k="offset_along_line_unit" v="MM" />
          <prop k="placement" v="interval" />
          <prop k="placements" v="Interval" />
          <prop k="rotate" v="1" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="enabled" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="&quot;directions&quot; IS NULL OR &quot;directions&quot; &lt;&gt; 'both'" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
          <symbol type="marker" name="@0@1" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
              <Option type="Map">
                <Option name="angle" type="QString" value="0" />
                <Option name="color" type="QString" value="136,136,136,255" />
                <Option name="name" type="QString" value="filled_arrowhead" />
                <Option name="outline_color" type="QString" value="136,136,136,255" />
                <Option name="outline_style" type="QString" value="no" />
                <Option name="size" type="QString" value="2.2" />
                <Option name="size_unit" type="QString" value="MM" />
                <Option name="vertical_anchor_point" type="QString" value="1" />
                <Option name="horizontal_anchor_point" type="QString" value="1" />
              </Option>
              <prop k="angle" v="0" />
              <prop k="color" v="136,136,136,255" />
              <prop k="name" v="filled_arrowhead" />
              <prop k="outline_color" v="136,136,136,255" />
              <prop k="outline_style" v="no" />
              <prop k="size" v="2.2" />
              <prop k="size_unit" v="MM" />
              <prop k="vertical_anchor_point" v="1" />
              <prop k="horizontal_anchor_point" v="1" />
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="line_color" type="QString" value="50,136,189,255" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="0.6" />
            <Option name="line_width_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
          </Option>
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="line_color" v="50,136,189,255" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="0.6" />
          <prop k="line_width_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="outlineWidth" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN &quot;mode&quot; = 'road' THEN 0.5 WHEN &quot;mode&quot; = 'foot' THEN 0.9 WHEN &quot;mode&quot; = 'jungle_foot' THEN 1.1 WHEN &quot;mode&quot; = 'border_foot' THEN 0.7 WHEN &quot;mode&quot; = 'river_boat' THEN 0.8 WHEN &quot;mode&quot; = 'sea_boat' THEN 0.9 ELSE 0.6 END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineStyle" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN 'dash' ELSE CASE WHEN &quot;mode&quot; = 'road' THEN 'solid' WHEN &quot;mode&quot; = 'foot' THEN 'solid' WHEN &quot;mode&quot; = 'jungle_foot' THEN 'solid' WHEN &quot;mode&quot; = 'border_foot' THEN 'solid' WHEN &quot;mode&quot; = 'river_boat' THEN 'dash dot' WHEN &quot;mode&quot; = 'sea_boat' THEN 'dot' ELSE 'solid' END END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineColor" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN color_rgba(50,136,189, 90) ELSE color_rgba(50,136,189, 255) END" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
        </layer>
        <layer class="MarkerLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="average_angle_length" type="QString" value="4" />
            <Option name="average_angle_unit" type="QString" value="MM" />
            <Option name="interval" type="QString" value="18" />
            <Option name="interval_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
            <Option name="offset_along_line" type="QString" value="9" />
            <Option name="offset_along_line_unit" type="QString" value="MM" />
            <Option name="placement" type="QString" value="interval" />
            <Option name="placements" type="QString" value="Interval" />
            <Option name="rotate" type="QString" value="1" />
          </Option>
          <prop k="average_angle_length" v="4" />
          <prop k="average_angle_unit" v="MM" />
          <prop k="interval" v="18" />
          <prop k="interval_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <prop k="offset_along_line" v="9" />
          <prop k="offset_along_line_unit" v="MM" />
          <prop k="placement" v="interval" />
          <prop k="placements" v="Interval" />
          <prop k="rotate" v="1" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="enabled" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="&quot;directions&quot; IS NULL OR &quot;directions&quot; &lt;&gt; 'both'" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
          <symbol type="marker" name="@1@1" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
              <Option type="Map">
                <Option name="angle" type="QString" value="0" />
                <Option name="color" type="QString" value="50,136,189,255" />
                <Option name="name" type="QString" value="filled_arrowhead" />
                <Option name="outline_color" type="QString" value="50,136,189,255" />
                <Option name="outline_style" type="QString" value="no" />
                <Option name="size" type="QString" value="2.2" />
                <Option name="size_unit" type="QString" value="MM" />
                <Option name="vertical_anchor_point" type="QString" value="1" />
                <Option name="horizontal_anchor_point" type="QString" value="1" />
              </Option>
              <prop k="angle" v="0" />
              <prop k="color" v="50,136,189,255" />
              <prop k="name" v="filled_arrowhead" />
              <prop k="outline_color" v="50,136,189,255" />
              <prop k="outline_style" v="no" />
              <prop k="size" v="2.2" />
              <prop k="size_unit" v="MM" />
              <prop k="vertical_anchor_point" v="1" />
              <prop k="horizontal_anchor_point" v="1" />
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="line_color" type="QString" value="26,158,119,255" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="0.6" />
            <Option name="line_width_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
          </Option>
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="line_color" v="26,158,119,255" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="0.6" />
          <prop k="line_width_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="outlineWidth" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN &quot;mode&quot; = 'road' THEN 0.5 WHEN &quot;mode&quot; = 'foot' THEN 0.9 WHEN &quot;mode&quot; = 'jungle_foot' THEN 1.1 WHEN &quot;mode&quot; = 'border_foot' THEN 0.7 WHEN &quot;mode&quot; = 'river_boat' THEN 0.8 WHEN &quot;mode&quot; = 'sea_boat' THEN 0.9 ELSE 0.6 END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineStyle" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN 'dash' ELSE CASE WHEN &quot;mode&quot; = 'road' THEN 'solid' WHEN &quot;mode&quot; = 'foot' THEN 'solid' WHEN &quot;mode&quot; = 'jungle_foot' THEN 'solid' WHEN &quot;mode&quot; = 'border_foot' THEN 'solid' WHEN &quot;mode&quot; = 'river_boat' THEN 'dash dot' WHEN &quot;mode&quot; = 'sea_boat' THEN 'dot' ELSE 'solid' END END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineColor" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN color_rgba(26,158,119, 90) ELSE color_rgba(26,158,119, 255) END" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
        </layer>
        <layer class="MarkerLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="average_angle_length" type="QString" value="4" />
            <Option name="average_angle_unit" type="QString" value="MM" />
            <Option name="interval" type="QString" value="18" />
            <Option name="interval_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
            <Option name="offset_along_line" type="QString" value="9" />
            <Option name="offset_along_line_unit" type="QString" value="MM" />
            <Option name="placement" type="QString" value="interval" />
            <Option name="placements" type="QString" value="Interval" />
            <Option name="rotate" type="QString" value="1" />
          </Option>
          <prop k="average_angle_length" v="4" />
          <prop k="average_angle_unit" v="MM" />
          <prop k="interval" v="18" />
          <prop k="interval_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <prop k="offset_along_line" v="9" />
          <prop k="offset_along_line_unit" v="MM" />
          <prop k="placement" v="interval" />
          <prop k="placements" v="Interval" />
          <prop k="rotate" v="1" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="enabled" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="&quot;directions&quot; IS NULL OR &quot;directions&quot; &lt;&gt; 'both'" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
          <symbol type="marker" name="@2@1" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
              <Option type="Map">
                <Option name="angle" type="QString" value="0" />
                <Option name="color" type="QString" value="26,158,119,255" />
                <Option name="name" type="QString" value="filled_arrowhead" />
                <Option name="outline_color" type="QString" value="26,158,119,255" />
                <Option name="outline_style" type="QString" value="no" />
                <Option name="size" type="QString" value="2.2" />
                <Option name="size_unit" type="QString" value="MM" />
                <Option name="vertical_anchor_point" type="QString" value="1" />
                <Option name="horizontal_anchor_point" type="QString" value="1" />
              </Option>
              <prop k="angle" v="0" />
              <prop k="color" v="26,158,119,255" />
              <prop k="name" v="filled_arrowhead" />
              <prop k="outline_color" v="26,158,119,255" />
              <prop k="outline_style" v="no" />
              <prop k="size" v="2.2" />
              <prop k="size_unit" v="MM" />
              <prop k="vertical_anchor_point" v="1" />
              <prop k="horizontal_anchor_point" v="1" />
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="line_color" type="QString" value="199,124,2,255" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="0.6" />
            <Option name="line_width_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
          </Option>
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="line_color" v="199,124,2,255" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="0.6" />
          <prop k="line_width_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="outlineWidth" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN &quot;mode&quot; = 'road' THEN 0.5 WHEN &quot;mode&quot; = 'foot' THEN 0.9 WHEN &quot;mode&quot; = 'jungle_foot' THEN 1.1 WHEN &quot;mode&quot; = 'border_foot' THEN 0.7 WHEN &quot;mode&quot; = 'river_boat' THEN 0.8 WHEN &quot;mode&quot; = 'sea_boat' THEN 0.9 ELSE 0.6 END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineStyle" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN 'dash' ELSE CASE WHEN &quot;mode&quot; = 'road' THEN 'solid' WHEN &quot;mode&quot; = 'foot' THEN 'solid' WHEN &quot;mode&quot; = 'jungle_foot' THEN 'solid' WHEN &quot;mode&quot; = 'border_foot' THEN 'solid' WHEN &quot;mode&quot; = 'river_boat' THEN 'dash dot' WHEN &quot;mode&quot; = 'sea_boat' THEN 'dot' ELSE 'solid' END END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineColor" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN color_rgba(199,124,2, 90) ELSE color_rgba(199,124,2, 255) END" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
        </layer>
        <layer class="MarkerLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="average_angle_length" type="QString" value="4" />
            <Option name="average_angle_unit" type="QString" value="MM" />
            <Option name="interval" type="QString" value="18" />
            <Option name="interval_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
            <Option name="offset_along_line" type="QString" value="9" />
            <Option name="offset_along_line_unit" type="QString" value="MM" />
            <Option name="placement" type="QString" value="interval" />
            <Option name="placements" type="QString" value="Interval" />
            <Option name="rotate" type="QString" value="1" />
          </Option>
          <prop k="average_angle_length" v="4" />
          <prop k="average_angle_unit" v="MM" />
          <prop k="interval" v="18" />
          <prop k="interval_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <prop k="offset_along_line" v="9" />
          <prop k="offset_along_line_unit" v="MM" />
          <prop k="placement" v="interval" />
          <prop k="placements" v="Interval" />
          <prop k="rotate" v="1" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="enabled" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="&quot;directions&quot; IS NULL OR &quot;directions&quot; &lt;&gt; 'both'" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
          <symbol type="marker" name="@3@1" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
              <Option type="Map">
                <Option name="angle" type="QString" value="0" />
                <Option name="color" type="QString" value="199,124,2,255" />
                <Option name="name" type="QString" value="filled_arrowhead" />
                <Option name="outline_color" type="QString" value="199,124,2,255" />
                <Option name="outline_style" type="QString" value="no" />
                <Option name="size" type="QString" value="2.2" />
                <Option name="size_unit" type="QString" value="MM" />
                <Option name="vertical_anchor_point" type="QString" value="1" />
                <Option name="horizontal_anchor_point" type="QString" value="1" />
              </Option>
              <prop k="angle" v="0" />
              <prop k="color" v="199,124,2,255" />
              <prop k="name" v="filled_arrowhead" />
              <prop k="outline_color" v="199,124,2,255" />
              <prop k="outline_style" v="no" />
              <prop k="size" v="2.2" />
              <prop k="size_unit" v="MM" />
              <prop k="vertical_anchor_point" v="1" />
              <prop k="horizontal_anchor_point" v="1" />
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="line_color" type="QString" value="215,48,31,255" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="0.6" />
            <Option name="line_width_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
          </Option>
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="line_color" v="215,48,31,255" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="0.6" />
          <prop k="line_width_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="outlineWidth" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN &quot;mode&quot; = 'road' THEN 0.5 WHEN &quot;mode&quot; = 'foot' THEN 0.9 WHEN &quot;mode&quot; = 'jungle_foot' THEN 1.1 WHEN &quot;mode&quot; = 'border_foot' THEN 0.7 WHEN &quot;mode&quot; = 'river_boat' THEN 0.8 WHEN &quot;mode&quot; = 'sea_boat' THEN 0.9 ELSE 0.6 END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineStyle" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN 'dash' ELSE CASE WHEN &quot;mode&quot; = 'road' THEN 'solid' WHEN &quot;mode&quot; = 'foot' THEN 'solid' WHEN &quot;mode&quot; = 'jungle_foot' THEN 'solid' WHEN &quot;mode&quot; = 'border_foot' THEN 'solid' WHEN &quot;mode&quot; = 'river_boat' THEN 'dash dot' WHEN &quot;mode&quot; = 'sea_boat' THEN 'dot' ELSE 'solid' END END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineColor" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN color_rgba(215,48,31, 90) ELSE color_rgba(215,48,31, 255) END" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
        </layer>
        <layer class="MarkerLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="average_angle_length" type="QString" value="4" />
            <Option name="average_angle_unit" type="QString" value="MM" />
            <Option name="interval" type="QString" value="18" />
            <Option name="interval_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
            <Option name="offset_along_line" type="QString" value="9" />
            <Option name="offset_along_line_unit" type="QString" value="MM" />
            <Option name="placement" type="QString" value="interval" />
            <Option name="placements" type="QString" value="Interval" />
            <Option name="rotate" type="QString" value="1" />
          </Option>
          <prop k="average_angle_length" v="4" />
          <prop k="average_angle_unit" v="MM" />
          <prop k="interval" v="18" />
          <prop k="interval_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <prop k="offset_along_line" v="9" />
          <prop k="offset_along_line_unit" v="MM" />
          <prop k="placement" v="interval" />
          <prop k="placements" v="Interval" />
          <prop k="rotate" v="1" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="enabled" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="&quot;directions&quot; IS NULL OR &quot;directions&quot; &lt;&gt; 'both'" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
          <symbol type="marker" name="@4@1" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
              <Option type="Map">
                <Option name="angle" type="QString" value="0" />
                <Option name="color" type="QString" value="215,48,31,255" />
                <Option name="name" type="QString" value="filled_arrowhead" />
                <Option name="outline_color" type="QString" value="215,48,31,255" />
                <Option name="outline_style" type="QString" value="no" />
                <Option name="size" type="QString" value="2.2" />
                <Option name="size_unit" type="QString" value="MM" />
                <Option name="vertical_anchor_point" type="QString" value="1" />
                <Option name="horizontal_anchor_point" type="QString" value="1" />
              </Option>
              <prop k="angle" v="0" />
              <prop k="color" v="215,48,31,255" />
              <prop k="name" v="filled_arrowhead" />
              <prop k="outline_color" v="215,48,31,255" />
              <prop k="outline_style" v="no" />
              <prop k="size" v="2.2" />
              <prop k="size_unit" v="MM" />
              <prop k="vertical_anchor_point" v="1" />
              <prop k="horizontal_anchor_point" v="1" />
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="5" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="line_color" type="QString" value="168,85,199,255" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="0.6" />
            <Option name="line_width_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
          </Option>
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="line_color" v="168,85,199,255" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="0.6" />
          <prop k="line_width_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="outlineWidth" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN &quot;mode&quot; = 'road' THEN 0.5 WHEN &quot;mode&quot; = 'foot' THEN 0.9 WHEN &quot;mode&quot; = 'jungle_foot' THEN 1.1 WHEN &quot;mode&quot; = 'border_foot' THEN 0.7 WHEN &quot;mode&quot; = 'river_boat' THEN 0.8 WHEN &quot;mode&quot; = 'sea_boat' THEN 0.9 ELSE 0.6 END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineStyle" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN 'dash' ELSE CASE WHEN &quot;mode&quot; = 'road' THEN 'solid' WHEN &quot;mode&quot; = 'foot' THEN 'solid' WHEN &quot;mode&quot; = 'jungle_foot' THEN 'solid' WHEN &quot;mode&quot; = 'border_foot' THEN 'solid' WHEN &quot;mode&quot; = 'river_boat' THEN 'dash dot' WHEN &quot;mode&quot; = 'sea_boat' THEN 'dot' ELSE 'solid' END END" />
                  <Option name="type" type="int" value="3" />
                </Option>
                <Option name="outlineColor" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="CASE WHEN coalesce(&quot;prior_weight&quot;, 0) &gt; 0.5 THEN color_rgba(168,85,199, 90) ELSE color_rgba(168,85,199, 255) END" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
        </layer>
        <layer class="MarkerLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="average_angle_length" type="QString" value="4" />
            <Option name="average_angle_unit" type="QString" value="MM" />
            <Option name="interval" type="QString" value="18" />
            <Option name="interval_unit" type="QString" value="MM" />
            <Option name="offset" type="QString" value="0.7" />
            <Option name="offset_unit" type="QString" value="MM" />
            <Option name="offset_along_line" type="QString" value="9" />
            <Option name="offset_along_line_unit" type="QString" value="MM" />
            <Option name="placement" type="QString" value="interval" />
            <Option name="placements" type="QString" value="Interval" />
            <Option name="rotate" type="QString" value="1" />
          </Option>
          <prop k="average_angle_length" v="4" />
          <prop k="average_angle_unit" v="MM" />
          <prop k="interval" v="18" />
          <prop k="interval_unit" v="MM" />
          <prop k="offset" v="0.7" />
          <prop k="offset_unit" v="MM" />
          <prop k="offset_along_line" v="9" />
          <prop k="offset_along_line_unit" v="MM" />
          <prop k="placement" v="interval" />
          <prop k="placements" v="Interval" />
          <prop k="rotate" v="1" />
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value="" />
              <Option name="properties" type="Map">
                <Option name="enabled" type="Map">
                  <Option name="active" type="bool" value="true" />
                  <Option name="expression" type="QString" value="&quot;directions&quot; IS NULL OR &quot;directions&quot; &lt;&gt; 'both'" />
                  <Option name="type" type="int" value="3" />
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection" />
            </Option>
          </data_defined_properties>
          <symbol type="marker" name="@5@1" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
              <Option type="Map">
                <Option name="angle" type="QString" value="0" />
                <Option name="color" type="QString" value="168,85,199,255" />
                <Option name="name" type="QString" value="filled_arrowhead" />
                <Option name="outline_color" type="QString" value="168,85,199,255" />
                <Option name="outline_style" type="QString" value="no" />
                <Option name="size" type="QString" value="2.2" />
                <Option name="size_unit" type="QString" value="MM" />
                <Option name="vertical_anchor_point" type="QString" value="1" />
                <Option name="horizontal_anchor_point" type="QString" value="1" />
              </Option>
              <prop k="angle" v="0" />
              <prop k="color" v="168,85,199,255" />
              <prop k="name" v="filled_arrowhead" />
              <prop k="outline_color" v="168,85,199,255" />
              <prop k="outline_style" v="no" />
              <prop k="size" v="2.2" />
              <prop k="size_unit" v="MM" />
              <prop k="vertical_anchor_point" v="1" />
              <prop k="horizontal_anchor_point" v="1" />
            </layer>
          </symbol>
        </layer>
      </symbol>
    </symbols>
    <classificationMethod id="Jenks" />
    <orderby>
      <orderByClause asc="1" nullsFirst="1">coalesce("deaths_per_1000_100km", -1)</orderByClause>
    </orderby>
  </renderer-v2>
  <previewExpression>"leg" || ' (' || "direction" || ')'</previewExpression>
  <layerGeometryType>1</layerGeometryType>
</qgis>
