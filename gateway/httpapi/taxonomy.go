package httpapi

import (
	"context"

	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// taxonomyServer serves the reference data from the data shipped in pkg/taxonomy.
type taxonomyServer struct {
	taxonomyv1.UnimplementedTaxonomyServiceServer
}

// The names are in the request's language (?lang= or Accept-Language).
func (taxonomyServer) ListSectors(ctx context.Context, _ *taxonomyv1.ListSectorsRequest) (*taxonomyv1.ListSectorsResponse, error) {
	lang := string(locale.FromContext(ctx))
	resp := &taxonomyv1.ListSectorsResponse{}
	for _, s := range taxonomy.Sectors() {
		resp.Sectors = append(resp.Sectors, &taxonomyv1.Sector{Id: s.ID, Name: s.NameIn(lang), ParentId: s.ParentID})
	}
	return resp, nil
}

func (taxonomyServer) ListSkills(ctx context.Context, _ *taxonomyv1.ListSkillsRequest) (*taxonomyv1.ListSkillsResponse, error) {
	lang := string(locale.FromContext(ctx))
	resp := &taxonomyv1.ListSkillsResponse{}
	for _, s := range taxonomy.Skills() {
		resp.Skills = append(resp.Skills, &taxonomyv1.Skill{Id: s.ID, Name: s.NameIn(lang), Category: s.CategoryIn(lang)})
	}
	return resp, nil
}
